// The kubelet picks a stand-in by image; every kind runs the same test fixture.
import './app.ts';
