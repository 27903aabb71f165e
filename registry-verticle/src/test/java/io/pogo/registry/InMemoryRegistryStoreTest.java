package io.pogo.registry;

class InMemoryRegistryStoreTest extends RegistryStoreContract {
  private final InMemoryRegistryStore store = new InMemoryRegistryStore();

  @Override
  protected RegistryStore store() {
    return store;
  }
}
